-- Fee policies never overlap: the database refuses it even if two writers race past the service check.
-- A null effective_to is an open end.
ALTER TABLE seller_fee_policies
  ADD CONSTRAINT seller_fee_policies_no_overlap
  EXCLUDE USING gist (daterange(effective_from, effective_to, '[]') WITH &&);
