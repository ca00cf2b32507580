package proxies

// SetStageFrom makes runs of at least n offer messages write them beside
// their transaction (notify.Stage), and returns what restores the default.
func SetStageFrom(n int) (restore func()) {
	old := stageFrom
	stageFrom = n
	return func() { stageFrom = old }
}
