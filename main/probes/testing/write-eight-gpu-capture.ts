// `node main/probes/testing/write-eight-gpu-capture.ts [DIR]`: writes the SYNTHETIC 8 x H200 capture
// (built from the real H200 capture) and prints its path, for `serve` and the screenshots.
import { writeEightH200Capture } from './captures.ts';

console.log(writeEightH200Capture(process.argv[2]));
