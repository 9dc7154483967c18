// qrcode-svg ships no types; only what the benchmark baseline uses.
declare module "qrcode-svg" {
  interface Options {
    content: string;
    width?: number;
    height?: number;
    padding?: number;
    ecl?: "L" | "M" | "Q" | "H";
    join?: boolean;
  }
  export default class QRCode {
    constructor(options: Options | string);
    svg(): string;
    qrcode: { modules: boolean[][] };
  }
}
