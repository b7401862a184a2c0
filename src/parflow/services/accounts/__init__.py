"""People's accounts: passwords and sign-in, including the sign-in limit. It may import
`services.common`.
"""
