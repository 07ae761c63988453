-- The example's catalog: psql "$SHOP_DATABASE_URL" -f examples/postgres/seed.sql
CREATE SCHEMA IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.products (
  sku text PRIMARY KEY,
  name text NOT NULL,
  price_cents integer NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO shop.products (sku, name, price_cents, tags) VALUES
  ('kb-01', 'Mechanical keyboard', 8900, '{keyboards,office}'),
  ('ms-02', 'Wireless mouse', 2900, '{mice,office}'),
  ('hp-03', 'Noise-cancelling headphones', 19900, '{audio}'),
  ('mn-04', '27-inch monitor', 27900, '{displays,office}'),
  ('cb-05', 'USB-C cable', 900, '{cables}')
ON CONFLICT (sku) DO NOTHING;
