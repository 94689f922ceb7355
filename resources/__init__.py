"""Data files shipped with the wheel: the default model, icons and a sample photo."""
