"""Datasets served to applications and models: the offline training set (``offline``) and the
features both it and the online slice read (``features``)."""
