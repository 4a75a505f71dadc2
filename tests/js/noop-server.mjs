// A do-nothing Kinesis endpoint over h2c, the floor for tests/js/bench.mjs --put-only: it answers every call with
// a canned reply (PutRecords: 500 successful entries, as bench.mjs sends 500 per call; CreateStream, DeleteStream,
// DescribeStreamSummary ACTIVE, ListShards with 4 shards), reading each request body and doing nothing with it.
// ops/bench/run.sh drives it with the same client in the same run and reports the ratio.
//
//   node noop-server.mjs <port>        (prints "listening <port>" when ready)
import http2 from 'node:http2';

const port = Number(process.argv[2] ?? 0);
const json = (o) => Buffer.from(JSON.stringify(o));
const putRecords = json({
  FailedRecordCount: 0,
  Records: Array.from({ length: 500 }, (_, i) => ({ SequenceNumber: String(49_000_000_000_000_000_000n + BigInt(i)), ShardId: 'shardId-000000000000' })),
});
const replies = {
  'Kinesis_20131202.PutRecords': putRecords,
  'Kinesis_20131202.CreateStream': json({}),
  'Kinesis_20131202.DeleteStream': json({}),
  'Kinesis_20131202.DescribeStreamSummary': json({ StreamDescriptionSummary: { StreamName: 'noop', StreamStatus: 'ACTIVE', OpenShardCount: 4 } }),
  'Kinesis_20131202.ListShards': json({ Shards: [0, 1, 2, 3].map((i) => ({ ShardId: `shardId-00000000000${i}`, HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' }, SequenceNumberRange: { StartingSequenceNumber: '0' } })) }),
};
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    const body = replies[headers['x-amz-target']];
    if (!body) {
      stream.respond({ ':status': 400, 'content-type': 'application/x-amz-json-1.1' });
      stream.end(json({ __type: 'UnknownOperationException', message: `no-op endpoint: ${headers['x-amz-target']}` }));
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/x-amz-json-1.1', 'content-length': body.length });
    stream.end(body);
  });
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
