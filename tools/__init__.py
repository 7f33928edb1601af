"""Developer tools that are not part of the ziggurat package."""
