package web_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"scrutin/web"
	"scrutin/web/delegateweb"
	"scrutin/web/materialweb"
	"scrutin/web/notifyweb"
	"scrutin/web/proxyweb"
	"scrutin/web/webtest"
)

// apiDoc is the API reference; each route has a heading of its own,
// "### `METHOD /api/v1/path`", the path written as registered.
const apiDoc = "../docs/API.md"

// servedModules are the capabilities `scrutin serve` wires besides the
// core (cmd/scrutin): TestAPIDocListsExactlyTheRoutes checks that this
// list is theirs.
var servedModules = []web.Module{materialweb.Routes, proxyweb.Routes, delegateweb.Routes, notifyweb.Routes}

var (
	// routeHeading is a route's heading in the reference.
	routeHeading = regexp.MustCompile("^### `([A-Z]+) (/api/v1/[^`\\s]*)`$")
	// routeMention is a route named in the text ("`GET /api/v1/...`",
	// possibly with a query string), outside code blocks.
	routeMention = regexp.MustCompile("`(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/api/v1[^`\\s?]*)(\\?[^`]*)?`")
)

// TestAPIDocListsExactlyTheRoutes: every route of the full server under
// /api/v1 has its heading in docs/API.md, and every route the reference
// names (in a heading or in the text) is one the server registers.
func TestAPIDocListsExactlyTheRoutes(t *testing.T) {
	checkServedModules(t)
	env := webtest.Start(t, webtest.Options{NoDemo: true, Modules: servedModules})
	registered := map[string]bool{}
	for _, r := range env.Server.App.GetRoutes(true) {
		// Fiber registers a HEAD beside every GET.
		if r.Method == fiber.MethodHead || r.Path != "/api/v1" && !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		registered[r.Method+" "+r.Path] = true
	}
	if len(registered) == 0 {
		t.Fatal("no route under /api/v1: the server's routes were not read")
	}

	headings, mentions := readAPIDoc(t)
	for _, route := range slices.Sorted(maps.Keys(registered)) {
		if headings[route] == 0 {
			t.Errorf("%s is registered but %s has no heading \"### `%s`\"", route, apiDoc, route)
		}
	}
	for _, route := range slices.Sorted(maps.Keys(headings)) {
		if !registered[route] {
			t.Errorf("%s:%d documents %s, which the server does not register", apiDoc, headings[route], route)
		}
	}
	for _, m := range mentions {
		if !registered[m.route] {
			t.Errorf("%s:%d names %s, which the server does not register", apiDoc, m.line, m.route)
		}
	}
}

type mention struct {
	route string
	line  int
}

// readAPIDoc returns the reference's route headings (route → line) and
// the routes it names elsewhere in its text. A heading that names an API
// path without the expected form, or a route given two headings, fails
// the test: either would drop a route from the check unnoticed.
func readAPIDoc(t *testing.T) (map[string]int, []mention) {
	t.Helper()
	f, err := os.Open(apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	headings := map[string]int{}
	var mentions []mention
	inCode := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		if strings.HasPrefix(line, "#") && strings.Contains(line, "/api/v1/") {
			m := routeHeading.FindStringSubmatch(line)
			if m == nil {
				t.Errorf("%s:%d: a route heading reads \"### `METHOD /api/v1/path`\", not %q", apiDoc, n, line)
				continue
			}
			route := m[1] + " " + m[2]
			if first, dup := headings[route]; dup {
				t.Errorf("%s:%d: %s already has a heading, line %d", apiDoc, n, route, first)
			}
			headings[route] = n
			continue
		}
		for _, m := range routeMention.FindAllStringSubmatch(line, -1) {
			mentions = append(mentions, mention{m[1] + " " + m[2], n})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if inCode {
		t.Errorf("%s: a code block is not closed", apiDoc)
	}
	return headings, mentions
}

// checkServedModules compares servedModules with the modules cmd/scrutin
// wires (every pkg.Routes of a scrutin/web/... package named in its
// sources), so that a capability added there is not left out here.
func checkServedModules(t *testing.T) {
	t.Helper()
	var here []string
	for _, m := range servedModules {
		here = append(here, runtime.FuncForPC(reflect.ValueOf(m).Pointer()).Name())
	}
	files, err := filepath.Glob("../cmd/scrutin/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("cmd/scrutin sources: %v", err)
	}
	var wired []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		imports := map[string]string{} // name in the file → import path
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			imports[local] = path
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Routes" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && strings.HasPrefix(imports[x.Name], "scrutin/web/") {
				wired = append(wired, imports[x.Name]+".Routes")
			}
			return true
		})
	}
	slices.Sort(here)
	slices.Sort(wired)
	if wired = slices.Compact(wired); !slices.Equal(here, wired) {
		t.Fatalf("servedModules %v, but cmd/scrutin wires %v", here, wired)
	}
}
