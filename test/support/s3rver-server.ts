/**
 * Runs s3rver in a process of its own: `node --openssl-legacy-provider --import tsx
 * s3rver-server.ts <directory>`. s3rver 3.7 encrypts its ListObjectsV2 continuation tokens with
 * DES, which Node 22's OpenSSL 3 refuses unless the legacy provider is on, and a flag for that can
 * only be given to a new process. Prints `listening <port>` once ready; exits when stdin closes,
 * so it never outlives the test run that started it.
 */
import S3rver from 's3rver';

const directory = process.argv[2];
if (directory === undefined) {
  console.error('usage: s3rver-server.ts <directory>');
  process.exit(2);
}
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
const { port } = await server.run();
console.log(`listening ${port}`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().finally(() => process.exit(0));
});
