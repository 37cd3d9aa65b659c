"""The ``ticketlake`` command line: parse arguments, call the library, format output."""
