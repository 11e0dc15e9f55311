"""The web console: `/console` for staff and `/cuenta` for customers.

Server-rendered pages call the public REST API with the signed-in person's token. So every
rule, permission and error message is the API's own, and the console adds none.
"""
