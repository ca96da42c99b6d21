"""Checks of the images and clips people upload and xAI returns; thumbnails and posters."""
