"""moto's server, answering one request at a time.

DynamoDB applies each conditional write (and each transaction) atomically. moto's own server
handles requests on concurrent threads without a lock around its backends, so two conditional
writes to the same item can both pass their check. Serializing requests restores the guarantee
the store relies on; connections stay threaded so idle keep-alive connections block nobody.

    python tests/local_aws_server.py PORT
"""

import os
import sys
import threading

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


def main():
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
