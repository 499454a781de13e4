"""Web application (网页端): FastAPI app factory, Chinese templates, vendored static assets."""
