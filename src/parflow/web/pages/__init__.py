"""HTML pages: server-rendered, Vietnamese first, one screen per role."""
