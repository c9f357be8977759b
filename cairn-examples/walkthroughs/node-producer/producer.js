// A Node.js producer written as it would be without Cairn: it declares the queue it sends to
// (durable, no arguments: the same queue a Cairn consumer declares) and publishes persistent JSON
// orders with a message id and a type, waiting for the broker's confirms.
//
//   npm ci && node producer.js [queue] [count]
const amqp = require('amqplib');

async function main() {
  const queue = process.argv[2] || 'orders';
  const count = Number(process.argv[3] || '3');
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true });
    for (let i = 1; i <= count; i++) {
      const order = { id: `o-${i}`, cents: 1000 + i };
      ch.sendToQueue(queue, Buffer.from(JSON.stringify(order)), {
        persistent: true,
        contentType: 'application/json',
        type: 'order.created', // what the Java consumer sees as type()
        messageId: order.id, // lets the consumer deduplicate redeliveries
      });
    }
    await ch.waitForConfirms();
    console.log(`sent ${count} orders to ${queue}`);
  } finally {
    await conn.close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
