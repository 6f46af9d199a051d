"""moto's server, answering one request at a time, with transactions that back up each table once.

DynamoDB applies each conditional write (and each transaction) atomically. moto's own server
handles requests on concurrent threads without a lock around its backends, so two conditional
writes to the same item can both pass their check. Serializing requests restores the guarantee
the store relies on; connections stay threaded so idle keep-alive connections block nobody.

moto backs up a table before a transaction by deep-copying it once per action: a transaction of
100 puts copies the whole table 100 times over, identical copies since nothing changes in
between. The copy is made once per table and transaction here; what is restored on a failed
transaction is the same.

    python tests/local_aws_server.py PORT
"""

import copy
import os
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.table import Table

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def serialized(app):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # moto answers with an in-memory body; read it whole while holding the lock.
            return list(app(environ, start_response))

    return handle


class TableBackups:
    """Stands for the `copy` module inside moto's DynamoDB backend: within a transaction, the
    backup of a table is deep-copied once and shared by every action naming that table."""

    def __init__(self):
        self.copies = None

    def deepcopy(self, value, memo=None):
        if self.copies is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self.copies:
            self.copies[id(value)] = copy.deepcopy(value)
        return self.copies[id(value)]

    def __getattr__(self, name):
        return getattr(copy, name)

    def install(self):
        dynamodb_models.copy = self
        transact = dynamodb_models.DynamoDBBackend.transact_write_items
        backups = self

        def transact_write_items(backend, transact_items):
            backups.copies = {}
            try:
                return transact(backend, transact_items)
            finally:
                backups.copies = None

        dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


def main():
    TableBackups().install()
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        "127.0.0.1",
        port,
        serialized(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
