"""congso — an open-source digital-government platform for a Vietnamese province."""
