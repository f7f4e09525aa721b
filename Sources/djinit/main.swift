import DjinitCommands
import DjinitPosix
import DjinitSettings

// First thing, before anything can fail or take time: block every catchable signal. A signal that
// arrives while djinit starts up then waits, pending, until the event loop reads it from its
// signalfd and forwards it to the child, instead of being lost or killing djinit.
SignalSet.allCatchable.block()

CurrentProcess.exit(DjinitCLI.main(ProcessArguments.current(), environment: Environment(ProcessEnvironment.current())))
