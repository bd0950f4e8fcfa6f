console.log("build-if-stale: skipped (bootstrap)")
