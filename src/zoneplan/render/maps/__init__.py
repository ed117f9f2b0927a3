"""The print map: layout, panels, context, labels, legends, SVG output."""
