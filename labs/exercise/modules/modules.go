// Package modules verifies the exercises of the modules topic (require vs
// import). Every check runs consumer scripts from harness/<exercise id>/ on
// node against the learner's files; none reads the learner's source.
package modules

import (
	"embed"
	"io/fs"
	"strconv"
	"strings"

	"github.com/nodedive/nodedive/labs/exercise"
)

//go:embed harness
var harness embed.FS

// Verifiers returns the topic's verifiers, for the catalog.
func Verifiers() []*exercise.Verifier {
	return []*exercise.Verifier{dualPackage(), esmFromCJS(), reloadableConfig()}
}

func harnessOf(id string) fs.FS {
	sub, err := fs.Sub(harness, "harness/"+id)
	if err != nil {
		panic(err) // a constant path into an embedded tree
	}
	return sub
}

func dualPackage() *exercise.Verifier {
	const id = "modules-dual-package"
	return &exercise.Verifier{
		ID:      id,
		Mount:   "node_modules/tempconv",
		Harness: harnessOf(id),
		Load: exercise.Script("require('tempconv') loads",
			"The package does not load at all: read node's error above. A broken package.json (JSON has no comments or trailing commas), "+
				"or a \"main\"/\"exports\" path to a file that does not exist, stops every check.",
			"require('tempconv') returns the API", "consumer.cjs", "load"),
		Checks: []exercise.Check{
			exercise.Script("require('tempconv') converts",
				"CommonJS users must keep working: the \"require\" condition (and \"main\") point at the CommonJS entry, index.js. "+
					"Setting \"type\": \"module\" would turn index.js into an ES module.",
				"require('tempconv') converts", "consumer.cjs", "require"),
			exercise.Script("import { toCelsius } from 'tempconv' works",
				"Node only knows a CommonJS module's export names when it can find them in the code without running it, "+
					"and `module.exports = api` hides them. Give import an ES module entry that names its exports, through the "+
					"\"import\" condition of \"exports\". Node ignores the \"module\" field, which only bundlers read.",
				"named exports convert, toCelsius, toFahrenheit, setPrecision", "consumer.mjs", "named"),
			exercise.Script("import tempconv from 'tempconv' still works",
				"Code that already does `import tempconv from 'tempconv'` must not break: the ES module entry needs a default export, the whole API.",
				"a default export with the API", "consumer.mjs", "default"),
			exercise.Script("import and require pick their own entry",
				"An \"exports\" map with \"import\" and \"require\" conditions sends each to its own file. Node tries the conditions "+
					"in order and takes the first that matches, so \"default\" goes last.",
				"import resolves to an ES module entry, require to the CommonJS one", "consumer.mjs", "conditions"),
			exercise.Script("import and require share one copy of the state",
				"Two copies of the code (an ES module rewrite next to the CommonJS one) load twice, each with its own state: the "+
					"dual package hazard. Let the ES module entry import the CommonJS one and re-export it.",
				"one shared precision setting", "consumer.mjs", "shared"),
			exercise.Script("only the package root is public",
				"\"main\" exposes every file of the package. An \"exports\" map exposes only what it lists, so users cannot "+
					"depend on lib/ internals.",
				"require('tempconv/lib/convert.js') throws ERR_PACKAGE_PATH_NOT_EXPORTED", "consumer.cjs", "private"),
			exercise.Script("require('tempconv/package.json') still works",
				"Once \"exports\" exists, even package.json is hidden unless it is listed; tools read it, so export \"./package.json\" too.",
				"require('tempconv/package.json') returns the manifest", "consumer.cjs", "pkgjson"),
		},
	}
}

func esmFromCJS() *exercise.Verifier {
	const id = "modules-esm-from-cjs"
	return &exercise.Verifier{
		ID:      id,
		Harness: harnessOf(id),
		Load: exercise.Script("report.js loads with require()",
			"report.js does not load: read node's error above. ERR_REQUIRE_ASYNC_MODULE means a module with top-level await "+
				"(rates.mjs) was require()d: load it with import() instead. A SyntaxError about import or await means ES module "+
				"syntax in this CommonJS file.",
			"require('./report.js') exports formatTotal and convertTotal", "caller.cjs", "load"),
		Checks: []exercise.Check{
			exercise.Script("formatTotal returns a string at once",
				"formatTotal is synchronous: it cannot wait for import(). money.mjs has no top-level await, so require() can "+
					"load it synchronously (Node 20.19+ and 22.12+).",
				"formatTotal(items) returns '$20.00'", "caller.cjs", "sync"),
			exercise.Script("convertTotal resolves in another currency",
				"rates.mjs uses top-level await, so only import() can load it; convertTotal is async and can await it.",
				"convertTotal(items, 'EUR') resolves to '€18.40'", "caller.cjs", "convert"),
			exercise.Script("formatTotal works while convertTotal is loading",
				"On Node 24 and later, require() of an ES module that an import() is still loading throws "+
					"ERR_REQUIRE_ESM_RACE_CONDITION (rates.mjs imports money.mjs). Require money.mjs once at the top of "+
					"report.js, before any import() has started, not inside formatTotal.",
				"formatTotal(items) is '$20.00' while convertTotal is loading", "caller.cjs", "together"),
			exercise.Script("an ES module can import report.js",
				"Newer code imports report.js from ES modules: keep report.js CommonJS with module.exports, and its functions "+
					"must work whoever loaded it.",
				"formatTotal and convertTotal work from an ES module", "caller.mjs"),
		},
		Notes: func(version string) []string {
			if major, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0]); major < 24 {
				return []string{"Node " + version + " lets one mistake pass that Node 24 and later reject " +
					"(ERR_REQUIRE_ESM_RACE_CONDITION): verify with --node pointing at Node 24 or 26 to be sure."}
			}
			return nil
		},
	}
}

func reloadableConfig() *exercise.Verifier {
	const id = "modules-reloadable-config"
	return &exercise.Verifier{
		ID:      id,
		Harness: harnessOf(id),
		Load: exercise.Script("config.js loads",
			"config.js does not load: read node's error above (a syntax error, or a require of a file that does not exist).",
			"require('./config') loads", "deploy.cjs", "load"),
		Checks: []exercise.Check{
			exercise.Script("require('./config') has get() and reload()",
				"require() returns module.exports. `exports = {...}` only rebinds a local variable that pointed at "+
					"module.exports; assign module.exports (or add properties to exports).",
				"require('./config') has get() and reload()", "deploy.cjs", "exports"),
			exercise.Script("get() returns the settings in config.json",
				"get() returns the object parsed from config.json.",
				"get() returns config.json's settings", "deploy.cjs", "get"),
			exercise.Script("reload() reads the changed config.json",
				"require() of the same file returns the cached object from require.cache. Delete the JSON file's entry "+
					"(require.resolve gives the key) before requiring it again, or read it with fs.readFileSync and JSON.parse.",
				"get() returns the new settings after reload()", "deploy.cjs", "reload"),
			exercise.Script("code that required config earlier sees the reload",
				"There must stay one config module. Deleting config.js itself from require.cache makes the next require "+
					"create a second module; code that required the first keeps the old settings.",
				"the new port, before and after the reload", "deploy.cjs", "shared"),
			exercise.Script("a broken config.json keeps the old settings",
				"Parse first, assign after, and let the error reach the caller of reload(): the app must hear that the new "+
					"file is broken, and get() must keep serving the last good settings.",
				"reload() throws and get() keeps the old settings", "deploy.cjs", "broken"),
		},
	}
}
