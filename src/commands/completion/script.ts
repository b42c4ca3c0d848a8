// t1 completion bash|zsh|fish: prints the shell's completion script. Each script asks
// "t1 __complete" for the candidates on every Tab, so it never goes stale when commands
// change; it needs t1 on the PATH.
import type { Deps } from '../../cli/deps.ts';
import type { Output } from '../../cli/render/output.ts';
import type { Shell } from './shells.ts';

export interface Options {
  shell: Shell;
}

export interface View {
  shell: Shell;
  script: string;
}

const BASH = `# t1 completion for bash.
# This shell: source <(t1 completion bash)
# Every shell: t1 completion bash > ~/.local/share/bash-completion/completions/t1
_t1_complete() {
  local line
  COMPREPLY=()
  while IFS= read -r line; do
    COMPREPLY+=("\${line%%$'\\t'*}")
  done < <(t1 __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
}
complete -o default -F _t1_complete t1
`;

const ZSH = `#compdef t1
# t1 completion for zsh (compinit must be loaded).
# This shell: source <(t1 completion zsh)
# Every shell: t1 completion zsh > "\${fpath[1]}/_t1"
_t1() {
  local line value description
  local -a specs
  while IFS= read -r line; do
    value=\${line%%$'\\t'*}
    description=''
    [[ $line == *$'\\t'* ]] && description=\${line#*$'\\t'}
    specs+=("\${value//:/\\\\:}\${description:+:$description}")
  done < <(t1 __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)
  if (( \${#specs} )); then
    _describe -t t1 't1' specs
  else
    _files
  fi
}
if [[ $funcstack[1] == _t1 ]]; then
  _t1 "$@"
else
  compdef _t1 t1
fi
`;

const FISH = `# t1 completion for fish.
# This shell: t1 completion fish | source
# Every shell: t1 completion fish > ~/.config/fish/completions/t1.fish
function __t1_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l found (t1 __complete -- $words (commandline -ct) 2>/dev/null)
    if set -q found[1]
        printf '%s\\n' $found
    else
        __fish_complete_path (commandline -ct)
    end
end
complete -c t1 -f -a '(__t1_complete)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export async function run(options: Options, _deps: Deps): Promise<View> {
  return { shell: options.shell, script: SCRIPTS[options.shell] };
}

export function render(view: View, out: Output): void {
  out.line(view.script.trimEnd());
}
