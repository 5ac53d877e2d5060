"""The model server: a FastAPI app that scores records validated against the data contract.

Import `tabml.serve.app` for the server; `tabml.serve.logs` (the request log format and its
reader) has no web dependencies, so the drift monitor can import it cheaply.
"""
