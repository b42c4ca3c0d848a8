// The shape of every command: run() does the work and returns a view model; render()
// shows it to a human. With --json the view model itself is printed.
import type { Deps } from '../cli/deps.ts';
import type { ViewData } from '../cli/render/data.ts';
import type { Output } from '../cli/render/output.ts';

export interface Command<Options, View> {
  run(options: Options, deps: Deps): Promise<View>;
  render(view: View, output: Output): void | Promise<void>;
  /** The exit code for a view that is not plain success (e.g. 5 when a bulk run had failed rows). */
  exitCode?(view: View): number;
  /** The fields of its rows or record, for --json <fields>, --jq and --csv. */
  data?: ViewData<View>;
}
