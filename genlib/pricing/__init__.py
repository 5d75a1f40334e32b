"""Usage and money: token buckets from provider usage (usage), prices per model (prices), and
putting a price on a record (costing).
"""
