// An S3-speaking server on loopback for the Firehose S3 destination tests (tests/ActorStreams.Tests/Firehose/S3EndpointDeliverySpec.cs).
// Usage: node s3rver.mjs <port> <directory> <bucket>...   Prints "READY <port>" once it listens; runs until killed.
import S3rver from 's3rver';

const [port, directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port: bound } = await server.run();
console.log(`READY ${bound}`);
