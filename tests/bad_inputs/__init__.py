"""A corpus of bad inputs (params, data, artifacts, HTTP requests), each refused cleanly.

Every case must get a non-zero exit (or a 4xx) and one line naming the file, key, column or field
(no traceback, at most 300 characters), and must leave every file byte-identical: the good
outputs of a project reproduced once, with its own table, contract and params (no fact of the
bundled Adult data). CLI cases (test_cli.py) run the `tabml` entry point in a process of their
own, in a private copy of that project; HTTP cases (test_http.py) hit a real `tabml serve`; the
cases replayed through `dvc repro` (test_dvc_repro.py) are marked slow.
"""
