// A plain amqplib producer, written as a Node service would without knowing Cairn: it declares the
// queue it sends to (durable) and sends persistent JSON messages without a message id.
//
//   node producer.js <queue> <json-body> [count] [quorum|classic] [properties-json]
//
// properties-json overrides the message options (e.g. {"type":"order.cancelled"}; null removes one).
//
// Prints "sent <n>" once the broker has confirmed every message.
const amqp = require('amqplib');

async function main() {
  const [queue, body, count = '1', quorum, properties = '{}'] = process.argv.slice(2);
  const options = {
    persistent: true,
    contentType: 'application/json',
    type: 'order.created',
  };
  for (const [name, value] of Object.entries(JSON.parse(properties))) {
    if (value === null) {
      delete options[name];
    } else {
      options[name] = value;
    }
  }
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const ch = await conn.createConfirmChannel();
    const declaration = { durable: true };
    if (quorum === 'quorum') {
      declaration.arguments = { 'x-queue-type': 'quorum' };
    }
    await ch.assertQueue(queue, declaration);
    for (let i = 0; i < Number(count); i++) {
      ch.sendToQueue(queue, Buffer.from(body), options);
    }
    await ch.waitForConfirms();
    console.log(`sent ${count}`);
  } finally {
    await conn.close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
