"""moto's server, answering one request at a time, with transactions that back up each table once.

DynamoDB applies each conditional write (and each transaction) atomically. moto's own server
handles requests on concurrent threads without a lock around its backends, so two conditional
writes to the same item can both pass their check. Serializing requests restores the guarantee
the store relies on; connections stay threaded so idle keep-alive connections block nobody.

moto backs up a table before a transaction by deep-copying it once per action: a transaction of
100 puts copies the whole table 100 times over, identical copies since nothing changes in
between. The backup is made once per table and transaction here, and it copies the key maps
of the partitions the transaction names (sharing the others and every item), and keeps the table's stream shard (the object readers' iterators
hold), taking back out on rollback the records the cancelled actions added. moto replaces or
removes an item for a put or a delete and never changes one for a check; an update changes its
item in place, so the items the transaction's updates name are deep-copied into the backup (an
append updates one item, its stream's head). What a failed transaction restores is the same
state as moto's own deep copy.

Two of moto's reads cost time in proportion to everything stored, which made a backlog of a
thousand events take minutes to drain (found by profiling `make bench`'s pipeline part with
py-spy): a Query on a table's own key sorts every item of the table to pick one partition's
(each read of a stream read the whole events table), and SQS computes all of a queue's
attributes, counting every message, once per message sent or considered by a receive
(quadratic in a backlog, and in the local queue that keeps what the store publishes). Queries
here read the one partition they name, and sends and receives skip the counts they never read;
what either answers is unchanged.

With LOCAL_AWS_STATE_FILE set, DynamoDB's tables are written to that file after every request
(before its answer is sent) and read back at start, so a server killed with SIGKILL and started
again holds every write it acknowledged, and none it did not finish: what the restart test needs.

    python tests/local_aws_server.py PORT
"""

import copy
import os
import pickle
from collections import defaultdict
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import Queue, SQSBackend

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def serialized(app, after_each=lambda: None):
    lock = threading.Lock()

    def handle(environ, start_response):
        with lock:
            # moto answers with an in-memory body; read it whole while holding the lock.
            body = list(app(environ, start_response))
            after_each()
            return body

    return handle


class TableState:
    """DynamoDB's tables of every account and region, kept in a file across restarts."""

    def __init__(self, path):
        self.path = path

    def backends(self):
        for account, regions in dynamodb_models.dynamodb_backends.items():
            for region in list(regions.keys()):
                yield (account, region), regions[region]

    def save(self):
        tables = {key: backend.tables for key, backend in self.backends()}
        partial = self.path + ".partial"
        with open(partial, "wb") as file:
            pickle.dump(tables, file)
        os.replace(partial, self.path)

    def load(self):
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as file:
            saved = pickle.load(file)
        for (account, region), tables in saved.items():
            dynamodb_models.dynamodb_backends[account][region].tables = tables


class TableBackups:
    """Stands for the `copy` module inside moto's DynamoDB backend: within a transaction, the
    backup of a table is made once and shared by every action naming that table."""

    def __init__(self):
        self.copies = None
        self.updated_keys = {}
        self.touched_keys = {}
        self.shard_lengths = []

    def deepcopy(self, value, memo=None):
        if self.copies is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self.copies:
            updated = self.updated_keys.get(value.name, [])
            touched = self.touched_keys.get(value.name, [])
            self.copies[id(value)] = structural_copy(value, touched, updated)
            if value.stream_shard is not None:
                self.shard_lengths.append((value.stream_shard, len(value.stream_shard.items)))
        return self.copies[id(value)]

    def __getattr__(self, name):
        return getattr(copy, name)

    def install(self):
        dynamodb_models.copy = self
        transact = dynamodb_models.DynamoDBBackend.transact_write_items
        backups = self

        def transact_write_items(backend, transact_items):
            backups.copies = {}
            backups.shard_lengths = []
            backups.updated_keys = defaultdict(list)
            backups.touched_keys = defaultdict(list)
            for action in transact_items:
                update = action.get("Update")
                if update:
                    backups.updated_keys[update["TableName"]].append(update["Key"])
                for kind in ("Put", "Update", "Delete", "ConditionCheck"):
                    named = action.get(kind)
                    if named:
                        key = named.get("Key") or named.get("Item") or {}
                        backups.touched_keys[named["TableName"]].append(key)
            try:
                return transact(backend, transact_items)
            except Exception:
                # The backup shares the stream shard (readers hold iterators on it): what the
                # cancelled transaction's actions added to it is taken back out.
                for shard, length in backups.shard_lengths:
                    del shard.items[length:]
                raise
            finally:
                backups.copies = None

        dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items


class PartitionQueries:
    """A Query on a table's own key reads the partition it names: moto's Table.query asks
    Table.all_items() for every item (sorted by key) and keeps those of the hash key, so while
    it runs all_items() hands it that partition's items, in key order."""

    def __init__(self):
        self.partition = threading.local()

    def install(self):
        query = Table.query
        all_items = Table.all_items
        partition = self.partition

        def query_one_partition(table, hash_key, *args, **kwargs):
            index_name = kwargs.get("index_name")
            if len(args) >= 7:
                index_name = args[6]
            if index_name or hash_key is None or table.range_key_attr is None:
                return query(table, hash_key, *args, **kwargs)
            partition.key = hash_key
            try:
                return query(table, hash_key, *args, **kwargs)
            finally:
                partition.key = None

        def items_of_partition(table):
            key = getattr(partition, "key", None)
            if key is None:
                return all_items(table)
            return sorted(table.items.get(key, {}).values(), key=lambda item: item.range_key)

        Table.query = query_one_partition
        Table.all_items = items_of_partition


class UncountedQueueAttributes:
    """moto computes a queue's attributes, counting every message it holds three times over,
    wherever it reads one of them: for each message sent (the content-based deduplication flag)
    and each message a receive considers (the retention period). Inside sends and receives the
    attributes are computed without the three approximate counts, which none of them reads;
    GetQueueAttributes still counts."""

    COUNTS = {
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
    }

    def __init__(self):
        self.uncounted = threading.local()

    def install(self):
        full = Queue.attributes.fget
        state = self.uncounted
        counts = self.COUNTS

        def attributes(queue):
            if not getattr(state, "on", False):
                return full(queue)
            queue.BASE_ATTRIBUTES = [a for a in Queue.BASE_ATTRIBUTES if a not in counts]
            try:
                return full(queue)
            finally:
                del queue.BASE_ATTRIBUTES

        Queue.attributes = property(attributes)
        for owner, name in [
            (SQSBackend, "send_message"),
            (SQSBackend, "send_message_batch"),
            (SQSBackend, "receive_message"),
        ]:
            setattr(owner, name, self.uncounting(getattr(owner, name)))

    def uncounting(self, method):
        state = self.uncounted

        def call(*args, **kwargs):
            before = getattr(state, "on", False)
            state.on = True
            try:
                return method(*args, **kwargs)
            finally:
                state.on = before

        return call


def structural_copy(table, touched_keys, updated_keys):
    """The table with its own key maps and stream record list: the partitions the transaction
    names (`touched_keys`) get maps of their own, the others are shared (nothing in the
    transaction changes them); item objects are shared but for those named by `updated_keys`
    (the keys of the transaction's updates), deep-copied."""
    backup = copy.copy(table)
    backup.items = defaultdict(dict, table.items)
    for key in touched_keys:
        if table.hash_key_attr not in key:
            continue
        hash_key = DynamoType(key[table.hash_key_attr])
        value = table.items.get(hash_key)
        if isinstance(value, dict):
            backup.items[hash_key] = dict(value)
    for key in updated_keys:
        hash_key = DynamoType(key[table.hash_key_attr])
        if table.range_key_attr is None:
            if hash_key in backup.items:
                backup.items[hash_key] = copy.deepcopy(backup.items[hash_key])
            continue
        range_key = DynamoType(key[table.range_key_attr])
        if range_key in backup.items.get(hash_key, {}):
            backup.items[hash_key][range_key] = copy.deepcopy(
                backup.items[hash_key][range_key]
            )
    return backup


def main():
    TableBackups().install()
    PartitionQueries().install()
    UncountedQueueAttributes().install()
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    after_each = lambda: None
    if os.environ.get("LOCAL_AWS_STATE_FILE"):
        state = TableState(os.environ["LOCAL_AWS_STATE_FILE"])
        state.load()
        after_each = state.save
    run_simple(
        "127.0.0.1",
        port,
        serialized(app, after_each),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
