package main

import (
	"scrutin/demo"
	"scrutin/web"
)

// modules are the capabilities served besides the core (places, elections,
// staff), and demoLoaders their demo data.
var (
	modules     = []web.Module{}
	demoLoaders = []demo.Loader{}
)
