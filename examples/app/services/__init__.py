"""Domain services used by the routers."""
