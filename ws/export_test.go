package ws

// SplitTargetForTest exposes splitTarget to the external tests.
var SplitTargetForTest = splitTarget
