package main

import (
	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/logistics/materials"
	"scrutin/logistics/proxies"
	"scrutin/web"
	"scrutin/web/delegateweb"
	"scrutin/web/materialweb"
	"scrutin/web/proxyweb"
)

// modules are the capabilities served besides the core (places, elections,
// staff), and demoLoaders their demo data.
var (
	modules     = []web.Module{materialweb.Routes, proxyweb.Routes, delegateweb.Routes}
	demoLoaders = []demo.Loader{materials.LoadDemo, proxies.LoadDemo, delegates.LoadDemo}
)
