"""A plain pika client talking to queues Cairn also uses, run by InteropTest.

  python3 pika_client.py produce <queue> <json-body> [quorum|max-length]
      declares the queue (durable) and publishes one persistent message without a message id
  python3 pika_client.py consume <queue> <count> <timeout-seconds>
      declares the queue (durable), prints "ready", then prints one JSON line per message
      (type, message_id, content_type, headers, body) and acknowledges it
"""
import json
import sys

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
        else:
            sys.exit("unknown mode " + mode)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
