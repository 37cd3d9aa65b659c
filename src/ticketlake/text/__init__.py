"""Free text of tickets (titles, descriptions): what the warehouse keeps of it."""
