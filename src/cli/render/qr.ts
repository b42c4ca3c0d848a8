// A QR code drawn with block characters, scannable from the terminal by a phone.
import { createRequire } from 'node:module';

interface QrTerminal {
  generate(input: string, options: { small: boolean }, callback: (drawing: string) => void): void;
}

export function terminalQr(text: string): string {
  // qrcode-terminal is CommonJS without types; it draws synchronously into the callback.
  const qr = createRequire(import.meta.url)('qrcode-terminal') as QrTerminal;
  let drawing = '';
  qr.generate(text, { small: true }, (output) => {
    drawing = output;
  });
  return drawing;
}
