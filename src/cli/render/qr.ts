// A QR code drawn with half-block characters, scannable from the terminal by a phone.
import QRCode from 'qrcode';

/**
 * The drawing, for a terminal with a dark background: the characters draw the light
 * modules and the quiet zone around the code, the background shows the dark ones.
 */
export function terminalQr(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'utf8', color: { dark: '#ffffff', light: '#000000' } });
}
