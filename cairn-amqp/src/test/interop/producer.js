// A plain amqplib producer, written as a Node service would without knowing Cairn: it declares the
// queue it sends to (durable) and sends persistent JSON messages without a message id.
//
//   node producer.js <queue> <json-body> [count] [quorum]
//
// Prints "sent <n>" once the broker has confirmed every message.
const amqp = require('amqplib');

async function main() {
  const [queue, body, count = '1', quorum] = process.argv.slice(2);
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const ch = await conn.createConfirmChannel();
    const options = { durable: true };
    if (quorum === 'quorum') {
      options.arguments = { 'x-queue-type': 'quorum' };
    }
    await ch.assertQueue(queue, options);
    for (let i = 0; i < Number(count); i++) {
      ch.sendToQueue(queue, Buffer.from(body), {
        persistent: true,
        contentType: 'application/json',
        type: 'order.created',
      });
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
