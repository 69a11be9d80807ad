package main

import (
	"fmt"
	"time"
	_ "time/tzdata" // --time-zone works where the system has no time zone database

	"github.com/apikit/apikit/contract"
)

// ruleOptions adds the validator options of --rules and --time-zone to opts. With --rules=all the validator also
// records what the cross-exchange invariants need.
func ruleOptions(opts []contract.Option, rules, zone string) ([]contract.Option, error) {
	r, err := contract.ParseRules(rules)
	if err != nil {
		return nil, fmt.Errorf("--rules: %w", err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("--time-zone %q: want an IANA time zone such as Europe/Berlin: %w", zone, err)
	}
	opts = append(opts, contract.WithRules(r), contract.WithTimeZone(loc))
	if r == contract.RulesAll {
		opts = append(opts, contract.WithObservations(true))
	}
	return opts, nil
}

// holdsRecordings reports whether verdicts wait for their recording's end: with --rules=all the invariants
// across exchanges add to them.
func holdsRecordings(rules string) bool { return rules == contract.RulesAll.String() }
