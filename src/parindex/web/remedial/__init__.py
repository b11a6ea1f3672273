"""Remedial plans (kế hoạch khắc phục): tasks linked to the criteria that lost points, owners, deadlines, progress, and whether the points came back at the next campaign."""
