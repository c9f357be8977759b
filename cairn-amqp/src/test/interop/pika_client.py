"""A plain pika client talking to queues Cairn also uses, run by InteropTest.

  python3 pika_client.py produce <queue> <json-body> [quorum|max-length]
      declares the queue (durable) and publishes one persistent message without a message id
  python3 pika_client.py consume <queue> <count> <timeout-seconds>
      declares the queue (durable), prints "ready", then prints one JSON line per message
      (type, message_id, content_type, delivery_mode, priority, expiration, headers, body) and
      acknowledges it
  python3 pika_client.py request <queue> <requests-json> <timeout-seconds> [declare|no-declare]
      a requester: declares the request queue (durable, no arguments: as Cairn declares it) unless
      told not to, and an exclusive reply queue; publishes each request of the JSON list
      ({"id", "body", "deadline_ms" (from now, may be negative), "deadline_as": "int"|"string",
      "type"}) mandatory, with reply-to, correlation-id = id, x-cairn-deadline and (for a
      deadline still ahead) expiration;
      prints "sent <n>" (or "unroutable" when the broker returned a request), then one JSON line
      per reply (correlation_id, type, content_type, headers, body) until as many replies as
      requests with a positive deadline have come, or prints "timed out" at the timeout
  python3 pika_client.py respond <queue> <count> <timeout-seconds>
      a responder: declares the request queue (durable, no arguments), prints "ready", then for each
      request prints one JSON line (correlation_id, reply_to, expiration, the x-cairn-deadline
      header and its Python type, body) and replies to reply-to with the correlation id: a JSON
      price, or for the sku "fail" an error reply (empty body, header x-cairn-error)
"""
import json
import sys
import time
import uuid

import pika


def declare(channel, queue, shape=None):
    arguments = None
    if shape == "quorum":
        arguments = {"x-queue-type": "quorum"}
    elif shape == "max-length":
        arguments = {"x-max-length": 1000}
    channel.queue_declare(queue=queue, durable=True, arguments=arguments)


def produce(channel, queue, body, shape=None):
    declare(channel, queue, shape)
    channel.confirm_delivery()
    channel.basic_publish(
        exchange="",
        routing_key=queue,
        body=body.encode("utf-8"),
        properties=pika.BasicProperties(
            delivery_mode=2,  # persistent
            content_type="application/json",
            type="order.created",
            headers={"x-source": "pika"},
        ),
        mandatory=True,
    )
    print("sent 1", flush=True)


def consume(channel, queue, count, timeout):
    declare(channel, queue)
    print("ready", flush=True)
    seen = 0
    for method, props, body in channel.consume(queue, inactivity_timeout=timeout):
        if method is None:
            print("timed out after %d message(s)" % seen, file=sys.stderr, flush=True)
            sys.exit(2)
        headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (props.headers or {}).items()}
        print(
            json.dumps(
                {
                    "type": props.type,
                    "message_id": props.message_id,
                    "content_type": props.content_type,
                    "delivery_mode": props.delivery_mode,
                    "priority": props.priority,
                    "expiration": props.expiration,
                    "headers": headers,
                    "body": json.loads(body),
                },
                default=str,
            ),
            flush=True,
        )
        channel.basic_ack(method.delivery_tag)
        seen += 1
        if seen == count:
            break
    channel.cancel()


def request(channel, queue, requests, timeout, declaration="declare"):
    if declaration == "declare":
        # Exactly Cairn's declaration of a request queue: durable, not exclusive, not auto-deleted,
        # no arguments. Declared first, it keeps requests sent before any responder starts.
        channel.queue_declare(queue=queue, durable=True)
    reply_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.confirm_delivery()
    now_ms = int(time.time() * 1000)
    for r in requests:
        deadline = now_ms + r["deadline_ms"]
        headers = {"x-cairn-deadline": str(deadline) if r.get("deadline_as") == "string" else deadline}
        try:
            channel.basic_publish(
                exchange="",
                routing_key=queue,
                body=json.dumps(r["body"]).encode("utf-8"),
                properties=pika.BasicProperties(
                    delivery_mode=2,
                    content_type="application/json",
                    type=r.get("type"),
                    message_id=str(uuid.uuid4()),
                    correlation_id=r["id"],
                    reply_to=reply_queue,
                    # No expiration on a request already past its deadline: the broker delivers it,
                    # and the responder's own check drops it.
                    expiration=str(r["deadline_ms"]) if r["deadline_ms"] > 0 else None,
                    headers=headers,
                ),
                mandatory=True,
            )
        except pika.exceptions.UnroutableError:
            print("unroutable", flush=True)
            return
    print("sent %d" % len(requests), flush=True)
    expected = sum(1 for r in requests if r["deadline_ms"] > 0)
    seen = 0
    for method, props, body in channel.consume(reply_queue, auto_ack=True, inactivity_timeout=timeout):
        if method is None:
            print("timed out", flush=True)
            return
        print(
            json.dumps(
                {
                    "correlation_id": props.correlation_id,
                    "type": props.type,
                    "content_type": props.content_type,
                    "headers": {
                        k: (v.decode() if isinstance(v, bytes) else v)
                        for k, v in (props.headers or {}).items()
                    },
                    "body": body.decode("utf-8"),
                },
                default=str,
            ),
            flush=True,
        )
        seen += 1
        if seen == expected:
            break
    channel.cancel()


def respond(channel, queue, count, timeout):
    channel.queue_declare(queue=queue, durable=True)
    print("ready", flush=True)
    seen = 0
    for method, props, body in channel.consume(queue, inactivity_timeout=timeout):
        if method is None:
            print("timed out after %d request(s)" % seen, file=sys.stderr, flush=True)
            sys.exit(2)
        deadline = (props.headers or {}).get("x-cairn-deadline")
        request = json.loads(body)
        print(
            json.dumps(
                {
                    "correlation_id": props.correlation_id,
                    "reply_to": props.reply_to,
                    "expiration": props.expiration,
                    "deadline": deadline,
                    "deadline_type": type(deadline).__name__,
                    "body": request,
                }
            ),
            flush=True,
        )
        if request["sku"] == "fail":
            reply, reply_props = b"", pika.BasicProperties(
                correlation_id=props.correlation_id, headers={"x-cairn-error": "out of stock"}
            )
        else:
            reply = json.dumps({"sku": request["sku"], "cents": 1999}).encode("utf-8")
            reply_props = pika.BasicProperties(
                correlation_id=props.correlation_id, content_type="application/json"
            )
        channel.basic_publish(exchange="", routing_key=props.reply_to, body=reply, properties=reply_props)
        channel.basic_ack(method.delivery_tag)
        seen += 1
        if seen == count:
            break
    channel.cancel()


def main():
    mode, queue = sys.argv[1], sys.argv[2]
    connection = pika.BlockingConnection(
        pika.ConnectionParameters(
            host="127.0.0.1", port=5672, credentials=pika.PlainCredentials("guest", "guest")
        )
    )
    try:
        channel = connection.channel()
        if mode == "produce":
            produce(channel, queue, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
        elif mode == "consume":
            consume(channel, queue, int(sys.argv[3]), float(sys.argv[4]))
        elif mode == "request":
            request(
                channel,
                queue,
                json.loads(sys.argv[3]),
                float(sys.argv[4]),
                sys.argv[5] if len(sys.argv) > 5 else "declare",
            )
        elif mode == "respond":
            respond(channel, queue, int(sys.argv[3]), float(sys.argv[4]))
        else:
            sys.exit("unknown mode " + mode)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
