"""Facts and name parts for the demo region "Een 10 voor de Jeugd", kept apart from the loader.

`places` holds municipalities, woonplaatsen and PC4 areas (public facts, coordinates rounded to
three decimals), `catalogue` the region's products with the figures offerings are generated from,
`providers` the parts fictional provider names are built from, `accounts` the demo users.
"""
