"""The web console: `/console` for staff and `/cuenta` for customers.

Server-rendered pages that call the public REST API with the signed-in person's token, so
every rule, permission and error message is the API's own; the console adds none.
"""
