import { decodeHarnessSuite } from "../support/decode-harness.suite";
import { pngDecodeSuite } from "../support/png-decode.suite";

decodeHarnessSuite("node");
pngDecodeSuite("node");
