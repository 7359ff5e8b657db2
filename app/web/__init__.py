"""The web UI: server-rendered pages on the same FastAPI app, with a little plain JavaScript.

Pages call the domain services directly (never the JSON API over HTTP); only the practice
page's script and the custom-rubric editor talk to the JSON API, with the login cookie.
"""
