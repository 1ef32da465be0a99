"""Exit codes of the `builder` command, one meaning each."""

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, a budget was exceeded, generated files are stale
EXIT_USER_ERROR = 2  # the spec or the arguments are wrong: the message says how to fix them
EXIT_TRANSIENT = 3  # engine unreachable, a timeout: trying again later may work
EXIT_TOOL_MISSING = 4  # a program builder drives (docker with BuildKit, mmdebstrap, trivy) is not installed
EXIT_INTERNAL = 70  # a bug in builder (sysexits' EX_SOFTWARE): not the user's mistake, not a failed check
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (`builder schema | head`): 128 + SIGPIPE, as a shell reports it
