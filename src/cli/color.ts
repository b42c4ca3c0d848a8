// Whether t1 colours what it prints. chalk's own detection decides, made when chalk loads
// from this process's stdout and environment (FORCE_COLOR, a terminal or not, TERM, CI): so
// piped output has no colour unless FORCE_COLOR asks for it. NO_COLOR (https://no-color.org:
// set and not empty) and --no-color always win.
import { supportsColor } from 'chalk';

export function useColor(env: NodeJS.ProcessEnv, colorFlag: boolean): boolean {
  if (!colorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  return supportsColor !== false && supportsColor.level > 0;
}
