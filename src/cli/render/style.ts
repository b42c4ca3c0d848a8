// t1's own colours (chalk), kept apart from the text they colour. Output makes everything it
// writes safe for the terminal, which would also turn t1's escape codes into visible text;
// so a style writes its codes with a mark made of a random token no stored text can hold,
// and Output turns only those marks back into escape codes, after escaping all the rest.
import { randomBytes } from 'node:crypto';
import { Chalk } from 'chalk';
import { terminalText } from '../../client/sanitize.ts';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const ESC = '\u001b';

export class Styler {
  readonly style: Style;
  readonly #mark: string;

  constructor(color: boolean, token: string = randomBytes(12).toString('hex')) {
    // U+FDD0 is a noncharacter: it starts the mark so a mark never reads as text.
    this.#mark = `\uFDD0${token}`;
    const chalk = new Chalk({ level: color ? 1 : 0 });
    // The text is made safe first, so every escape in chalk's result is chalk's own.
    const paint = (apply: (text: string) => string) => (text: string) => apply(terminalText(text)).replaceAll(ESC, this.#mark);
    this.style = {
      bold: paint((t) => chalk.bold(t)),
      dim: paint((t) => chalk.dim(t)),
      red: paint((t) => chalk.red(t)),
      green: paint((t) => chalk.green(t)),
      yellow: paint((t) => chalk.yellow(t)),
    };
  }

  /** Text as it may reach the terminal: outside characters escaped, t1's styles applied. */
  finish(text: string): string {
    return terminalText(text).replaceAll(this.#mark, ESC);
  }

  /** Text without t1's styles (for measuring, and where styles do not belong). */
  plain(text: string): string {
    return text.replace(new RegExp(`${this.#mark}\\[[0-9;]*m`, 'g'), '');
  }
}
