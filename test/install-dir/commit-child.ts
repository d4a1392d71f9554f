// Child process for transaction.test.ts: runs the real commitFiles on the request in argv[2], after telling
// the parent on stdout that it is about to start, so the parent can SIGKILL it part-way through.
import { readFileSync } from 'node:fs';
import { commitFiles, type TxnRequest } from '../../src/install-dir/transaction.js';

const request = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TxnRequest;
process.stdout.write('start\n', () => {
  commitFiles(request);
  process.stdout.write('done\n');
});
