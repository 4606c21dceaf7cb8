package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nodedive/nodedive/lessons"
)

func newLessonsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "lessons",
		Short:   "List the lessons",
		GroupID: groupLearn,
		Args:    cobra.NoArgs,
		Example: "  nodedive lessons\n  nodedive lessons --json | jq '.[].id'",
		RunE: func(cmd *cobra.Command, _ []string) error {
			course, err := lessons.Load()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type row struct {
					*lessons.Lesson
					ReadingMinutes int `json:"reading_minutes"`
				}
				rows := make([]row, len(course.Lessons))
				for i, l := range course.Lessons {
					rows[i] = row{l, l.ReadingMinutes()}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tALIASES\tTITLE\tSECTIONS\tREAD")
			for _, l := range course.Lessons {
				aliases := "-"
				if len(l.Aliases) > 0 {
					aliases = fmt.Sprint(l.Aliases)
					aliases = aliases[1 : len(aliases)-1]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d min\n", l.ID, aliases, l.Title, len(l.Sections), l.ReadingMinutes())
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(out, "\nRead one with: nodedive read ID   (e.g. nodedive read q14)")
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the lessons as JSON (with sections) for scripts")
	return cmd
}
