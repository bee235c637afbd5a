"""The config layer: the config file's typed model (``model``), its value types (``value_types``),
the loader that reports every problem (``loader``), and the output-description prefixes the stacks
write and the app reads back (``output_groups``).

It sits between the constructs library, whose rules it calls, and the stacks, which take its
validated object. Import from the submodules: this package imports nothing itself, so the summary
can read ``output_groups`` without starting the CDK.
"""
