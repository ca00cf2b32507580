-- materials: catalog of campaign material, orders delivered to people's
-- addresses, and the batches staff hand to the printer and the shipper.

-- One orderable item of an election's catalog. Quantities are in units
-- (flyers, posters), never in packs: a person orders 100 flyers, which must
-- be a multiple of pack_size.
CREATE TABLE material_items (
    id             bigserial PRIMARY KEY,
    election_id    bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    sku            text NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name           text NOT NULL,
    description    text NOT NULL DEFAULT '',
    unit           text NOT NULL,                  -- plural label: "tracts", "affiches"
    min_per_person integer NOT NULL CHECK (min_per_person > 0),
    pack_size      integer NOT NULL CHECK (pack_size > 0),
    max_per_person integer NOT NULL CHECK (max_per_person >= min_per_person),
    -- stock is what the campaign has (or will have printed); reserved is
    -- what non-cancelled orders hold. The CHECK is the last line of defence
    -- against overselling: orders reserve with
    -- UPDATE ... SET reserved = reserved + q WHERE stock - reserved >= q.
    stock          integer NOT NULL CHECK (stock >= 0),
    reserved       integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    price_cents    integer NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
    unit_weight_g  double precision CHECK (unit_weight_g IS NULL OR unit_weight_g > 0),
    cutoff_date    date NOT NULL,                  -- last day an order is taken
    active         boolean NOT NULL DEFAULT true,
    picture        bytea,
    picture_type   text,                           -- sniffed image type, never the uploader's claim
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT material_items_sku_key UNIQUE (election_id, sku),
    CONSTRAINT material_items_reserved_within_stock CHECK (reserved <= stock)
);

-- A group of orders handed together to the printer and the shipper.
CREATE TABLE material_batches (
    id          bigserial PRIMARY KEY,
    election_id bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    departement text NOT NULL DEFAULT '',   -- the filter it was made with ('' = all in scope)
    sku         text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);

CREATE TABLE material_orders (
    id               bigserial PRIMARY KEY,
    election_id      bigint NOT NULL REFERENCES elections (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'batched', 'shipped', 'delivered', 'cancelled')),
    name             text NOT NULL,
    address          text NOT NULL,
    postal_code      text NOT NULL,
    commune_code     text NOT NULL REFERENCES communes (code),
    email            text NOT NULL,
    phone            text NOT NULL DEFAULT '',
    -- normalised delivery address: the per-person maximum counts earlier
    -- orders with the same e-mail or the same address_key.
    address_key      text NOT NULL,
    token_hash       bytea NOT NULL UNIQUE,
    token_expires_at timestamptz NOT NULL,
    batch_id         bigint REFERENCES material_batches (id) ON DELETE SET NULL,
    tracking         text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    batched_at       timestamptz,
    shipped_at       timestamptz,
    delivered_at     timestamptz,
    cancelled_at     timestamptz
);
CREATE INDEX material_orders_email_idx ON material_orders (election_id, email) WHERE status <> 'cancelled';
CREATE INDEX material_orders_address_idx ON material_orders (election_id, address_key) WHERE status <> 'cancelled';
CREATE INDEX material_orders_status_idx ON material_orders (election_id, status, created_at);
CREATE INDEX material_orders_batch_idx ON material_orders (batch_id);
CREATE INDEX material_orders_commune_idx ON material_orders (commune_code);

CREATE TABLE material_order_lines (
    order_id bigint NOT NULL REFERENCES material_orders (id) ON DELETE CASCADE,
    item_id  bigint NOT NULL REFERENCES material_items (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, item_id)
);
CREATE INDEX material_order_lines_item_idx ON material_order_lines (item_id);
